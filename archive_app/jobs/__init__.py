"""Background jobs: ``scheduler.py`` (leader lock + APScheduler), ``tasks.py`` (the jobs)."""
