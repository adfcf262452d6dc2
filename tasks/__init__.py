"""Celery: the app (:mod:`.celery_app`), thin tasks (:mod:`.jobs`), worker bootstrap (:mod:`.worker`)."""
