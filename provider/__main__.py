"""The dms-waiters Pulumi plugin: every component, for programs in any Pulumi language.

Pulumi's Python language host runs this folder (``python provider/ <engine address> ...``) in
the plugin's virtualenv (``PulumiPlugin.yaml``, ``requirements.txt``). Pulumi's component
provider host infers the package schema from the components' type annotations and docstrings
(``schema.json`` beside this file is that schema, checked by the tests) and constructs the
components a program declares. The type tokens are ``dms-waiters:index:<ClassName>``.

The components inherit shared arguments and outputs from base classes, whose docstrings the
analyzer would not read: ``inherited_docs.install()`` makes it (see that module).
"""

from pulumi.provider.experimental import component_provider_host

from dms_waiters import COMPONENTS
from dms_waiters._internal import inherited_docs
from dms_waiters._internal.component import PACKAGE
from dms_waiters._version import __version__

if __name__ == "__main__":
    inherited_docs.install()
    component_provider_host(
        components=list(COMPONENTS),
        name=PACKAGE,
        version=__version__,
    )
