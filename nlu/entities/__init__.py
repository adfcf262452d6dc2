"""Entity extractors; each works on :class:`nlu.rewriter.Normalised` text and reports offsets
into the original text."""
