"""Import every module that registers workflow rules, effects and data schemas.

The engine loads this once at start-up, before it checks the definitions in ``workflows/``, so
that every name a definition uses is known (ARCHITECTURE.md: features supply the rules).
"""

import casework.areas.rules  # noqa: F401
import casework.people.dossier  # noqa: F401
import casework.people.rules  # noqa: F401
import casework.recognition.rules  # noqa: F401
import casework.recognition.schemas  # noqa: F401
import casework.workflow.builtin_rules  # noqa: F401
