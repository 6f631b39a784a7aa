"""Import every model module, so that ``Base.metadata`` knows all tables."""

from casework.areas.models import Area, AreaFact, Hotspot  # noqa: F401
from casework.audit.exports import ExportEntry  # noqa: F401
from casework.audit.models import AuditEntry  # noqa: F401
from casework.auth.models import (  # noqa: F401
    ApiToken,
    LoginFailure,
    LoginSession,
    RoleAssignment,
    User,
)
from casework.imports.models import ImportBatch  # noqa: F401
from casework.jobs.models import Job  # noqa: F401
from casework.notify.models import DigestSent, Notification  # noqa: F401
from casework.orgunits.models import (  # noqa: F401
    OrgUnit,
    OrgUnitLink,
    Succession,
    SuccessionUnit,
)
from casework.people.models import (  # noqa: F401
    Assessment,
    CourtDecision,
    DrugTest,
    ManagementDecision,
    Person,
    PostRehabTerm,
    RehabEpisode,
    ResidenceCheck,
)
from casework.plans.models import Phase, Plan, ReportSubmission, Target  # noqa: F401
from casework.recognition.models import (  # noqa: F401
    RecognitionAttachment,
    RecognitionRequest,
)
from casework.reviews.models import CommuneReview  # noqa: F401
