"""Backups: the database, the attachments and the instance folder's keys and anchors, with a
manifest of counts and checksums (``casework backup DIR`` / ``casework restore DIR``)."""
