# Sphinx configuration of the migrator-scheduler documentation.

project = 'migrator-scheduler'
copyright = 'migrator-scheduler developers'
author = 'migrator-scheduler developers'

extensions = [
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
]

# oslo_config.sphinxconfiggen: writes _static/migrator-scheduler.conf.sample
# from the same generator file as "tox -e genconfig", so the sample shown
# in the documentation can never drift from the code.
config_generator_config_file = (
    '../../etc/migrator-scheduler/migrator-scheduler-config-generator.conf')
sample_config_basename = '_static/migrator-scheduler'

root_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'sphinx'

html_theme = 'alabaster'
html_static_path = ['_static']
html_title = 'migrator-scheduler'
