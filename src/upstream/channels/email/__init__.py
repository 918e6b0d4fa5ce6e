"""The email channel: mailboxes, inbound mail (IMAP, MTA pipe, SMTP), threading, loop protection and bounces.

Pure modules (parsing, loops, bounces, matching, quoting) need no database; services tie them to tickets.
"""
