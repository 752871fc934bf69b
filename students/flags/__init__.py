"""Signalering for people: reads (selectors), writes (services), the pages (views, forms,
urls under /signalering/). The rules and the flagging run live in students.risk."""
