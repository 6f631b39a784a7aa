"""The hierarchy of areas (city, districts, communes and wards, groups and villages).

Everything else stands on it, auth's scope first, so it imports nothing above audit. It has no
screens of its own: administrators change the tree through auth's admin API
(``auth/admin_api.py``). Nothing to register: create_app does not list it among the features.
"""
