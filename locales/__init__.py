"""Gettext catalogues: ``<locale>/<area>.po``, one file per area (core, repair, bot, ...)."""
