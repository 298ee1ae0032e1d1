# Sphinx configuration of the migrator-scheduler release notes.

project = 'migrator-scheduler Release Notes'
copyright = 'migrator-scheduler developers'
author = 'migrator-scheduler developers'

extensions = [
    'reno.sphinxext',
]

root_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'sphinx'

html_theme = 'alabaster'
html_title = 'migrator-scheduler Release Notes'
