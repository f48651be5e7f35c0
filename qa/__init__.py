"""Question -> ranked passages -> answer with [n] citations, or an honest abstention."""
