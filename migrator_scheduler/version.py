"""Version information for migrator-scheduler."""

import pbr.version

version_info = pbr.version.VersionInfo('migrator-scheduler')
