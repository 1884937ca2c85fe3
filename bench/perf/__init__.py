"""The parts of the end-to-end page benchmark (`make bench`, bench/run.py).

database: a fresh PostgreSQL database with the corpus imported, the bench reader's session
servers:  the app and the ceiling under gunicorn, their workers' memory
wrk:      the pages, the wrk runs and what they print
inprocess: queries and CPU per page through Django's test client, memory by package
report:   the tables, the machine, docs/performance.md
"""
