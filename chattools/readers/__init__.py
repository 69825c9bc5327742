"""Sniff a container, decrypt it in memory, read its sheets as text and type them."""
