"""The one base class for bad input: the command line prints it and exits 2.

Modules raise their own subclasses (ScenarioError, RecordError, SweepError, ...) so that
the CLI need not import them (some modules are slow to import) to know the exit code.
"""


class InputError(ValueError):
    """The user's input (a file, a flag, the environment) cannot be used as given."""


class UsageError(InputError):
    """A command-line value that is well-formed but unusable."""
