"""Rule documents: validation, import and export.

A rule document is the form users write (YAML or JSON files, the CLI,
the API); :mod:`.spec` turns it into database values and back, and
:mod:`.io` reads and writes files of them.
"""
