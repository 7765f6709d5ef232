"""Deck files → validated templates → reproducible problem instances (docs/decks.md).

Pure layer: no printing, no clock, no global randomness; files are read only when a path is
handed in. Import what you need from its module (``decks.loader``, ``decks.generate`` …): this
package re-exports nothing, so finding deck files or reading their metadata (``decks.library``,
``decks.catalog``) never imports sympy or numpy.
"""
