"""Pure frame → frame functions over a loaded :class:`chattools.Export`.

Nothing here reads files, prints or mutates its input.
"""
