"""Knowledge at work: suggestions while a customer types (deflection), the answer bot on new tickets, suggested
articles and similar resolved tickets for agents, articles drafted from tickets, and the KB gap report."""
