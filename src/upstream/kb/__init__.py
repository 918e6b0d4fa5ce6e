"""The knowledge base: articles (Markdown, translations, workflow, revisions, feedback), search, deflection and the
answer bot."""
