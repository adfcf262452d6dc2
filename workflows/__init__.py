"""Workflow engines: one sub-package per workflow on the shared engine in :mod:`.engine`.

Business rules live here and nowhere else; the bot and the mini-program call the same
service functions. This package imports ``core`` only (never flask, bot, miniapp_api, iot).
"""
