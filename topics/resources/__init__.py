"""Shipped word lists: the domain dictionary and the stop words."""
