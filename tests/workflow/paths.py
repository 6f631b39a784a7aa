"""Drive stand-in records through their workflows with valid data, on a moving clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from casework.workflow import engine
from casework.workflow.deadlines import local_date

CRITERIA_MET = {c: {"met": True, "note": None} for c in
                ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8")}

TEST = {"sample": "urine", "substances": ["heroin"], "facility": "Trạm Y tế phường",
        "test_date": "{today}"}

# Valid data for each event (and branch). "{today}" becomes the date of the event.
DATA = {
    "test_positive": {**TEST, "result": "positive"},
    "test_negative": {**TEST, "result": "negative"},
    "decide_management": {"decision_no": "12/QĐ-UBND", "decision_date": "{today}"},
    "check_residence": {"check_date": "{today}", "present": True},
    "request_assessment": {"grounds": "Kết quả xét nghiệm dương tính"},
    "addicted": {"assessment_date": "{today}", "facility": "TTYT", "doctor": "BS. An",
                 "criteria_met": 4, "addicted": True},
    "not_addicted": {"assessment_date": "{today}", "facility": "TTYT", "doctor": "BS. An",
                     "criteria_met": 1, "addicted": False},
    "rehab_community": {"setting": "community", "decision_no": "5/QĐ", "start_date": "{today}",
                        "planned_months": 6},
    "rehab_facility": {"setting": "facility", "decision_no": "6/QĐ", "start_date": "{today}",
                       "planned_months": 12, "facility": "Cơ sở cai nghiện tỉnh"},
    "start_methadone": {"clinic": "Cơ sở Methadone TP", "start_date": "{today}"},
    "stop_completed": {"stop_date": "{today}", "outcome": "completed"},
    "stop_terminated": {"stop_date": "{today}", "outcome": "terminated"},
    "complete_rehab": {"completion_date": "{today}", "certificate_no": "GCN-1"},
    "open_compulsory_dossier": {"violation_record_no": "BB-7", "grounds": "not_registered"},
    "court_ordered": {"court": "TAND TP", "decision_no": "QĐ-9", "decision_date": "{today}",
                      "ordered": True, "months": 18},
    "court_refused": {"court": "TAND TP", "decision_no": "QĐ-9", "decision_date": "{today}",
                      "ordered": False},
    "release": {"release_date": "{today}", "certificate_no": "GCN-2"},
    "complete_post_rehab": {"certificate_no": "GCN-3"},
    "end_management": {"decision_no": "QĐ-10"},
    "exit": {"exit_reason": "moved_out", "exit_date": "{today}"},
    "classify_complex": {"level": "complex", "complexity_type": "I",
                         "assessment_date": "{today}"},
    "classify_less": {"level": "less_complex", "assessment_date": "{today}"},
    "downgrade": {"minutes_no": "BB-1"},
    "escalate": {"grounds": "Phát hiện điểm bán lẻ"},
    "recognize": {"decision_no": "QĐ-CN-1", "decision_date": "{today}"},
    "confirm_maintained": {"review_date": "{today}"},
    "recomplicate_complex": {"level": "complex", "breached": ["C1"]},
    "submit": {"self_assessment": CRITERIA_MET},
    "evaluate": {"inspection_date": "{today}", "minutes_no": "BB-KT-1",
                 "verdicts": CRITERIA_MET},
    "endorse": {"meeting_date": "{today}"},
    "approve": {"decision_no": "QĐ-CN-2", "decision_date": "{today}"},
    "eliminate": {"eliminated_date": "{today}"},
    "reemerge": {"found_date": "{today}"},
}


def fill(data: dict, when: datetime) -> dict:
    today = local_date(when).isoformat()

    def one(value):
        if value == "{today}":
            return today
        if isinstance(value, dict):
            return {k: one(v) for k, v in value.items()}
        return value

    return one(data)


# Steps: (event, role, data key or None, reason, days to wait before it).
PERSON_PATHS = {
    "suspected": [],
    "positive": [("record_test", "health", "test_positive", None, 1)],
    "cleared": [("record_test", "health", "test_negative", None, 1)],
    "managed_user": [("record_test", "health", "test_positive", None, 1),
                     ("decide_management", "commune_chair", "decide_management", None, 5)],
    "assessment": [("request_assessment", "police", "request_assessment", None, 1)],
    "addict": [("request_assessment", "police", "request_assessment", None, 1),
               ("record_assessment", "health", "addicted", None, 3)],
    "methadone": [("request_assessment", "police", "request_assessment", None, 1),
                  ("record_assessment", "health", "addicted", None, 3),
                  ("start_methadone", "health", "start_methadone", None, 2)],
    "post_rehab": [("request_assessment", "police", "request_assessment", None, 1),
                   ("record_assessment", "health", "addicted", None, 3),
                   ("start_methadone", "health", "start_methadone", None, 2),
                   ("stop_methadone", "health", "stop_completed", None, 200)],
    "relapsed": [("request_assessment", "police", "request_assessment", None, 1),
                 ("record_assessment", "health", "addicted", None, 3),
                 ("start_methadone", "health", "start_methadone", None, 2),
                 ("stop_methadone", "health", "stop_completed", None, 200),
                 ("record_test", "health", "test_positive", None, 30),
                 ("record_assessment", "health", "addicted", None, 3)],
    "rehab_community": [("request_assessment", "police", "request_assessment", None, 1),
                        ("record_assessment", "health", "addicted", None, 3),
                        ("register_voluntary_rehab", "social_affairs", "rehab_community",
                         None, 2)],
    "rehab_facility": [("request_assessment", "police", "request_assessment", None, 1),
                       ("record_assessment", "health", "addicted", None, 3),
                       ("register_voluntary_rehab", "social_affairs", "rehab_facility",
                        None, 2)],
    "compulsory_dossier": [("request_assessment", "police", "request_assessment", None, 1),
                           ("record_assessment", "health", "addicted", None, 3),
                           ("open_compulsory_dossier", "police", "open_compulsory_dossier",
                            None, 8)],
    "compulsory_rehab": [("request_assessment", "police", "request_assessment", None, 1),
                         ("record_assessment", "health", "addicted", None, 3),
                         ("open_compulsory_dossier", "police", "open_compulsory_dossier",
                          None, 8),
                         ("record_court_decision", "social_affairs", "court_ordered", None, 20)],
    "exited": [("exit", "police", "exit", "Chuyển đi nơi khác", 1)],
    "management_ended": [("record_test", "health", "test_positive", None, 1),
                         ("decide_management", "commune_chair", "decide_management", None, 5),
                         ("end_management", "commune_chair", "end_management", None, 370)],
    "reintegrated": [("request_assessment", "police", "request_assessment", None, 1),
                     ("record_assessment", "health", "addicted", None, 3),
                     ("start_methadone", "health", "start_methadone", None, 2),
                     ("stop_methadone", "health", "stop_completed", None, 200),
                     ("complete_post_rehab", "commune_chair", "complete_post_rehab", None, 370)],
}

AREA_PATHS = {
    "unassessed": [],
    "complex": [("classify", "police", "classify_complex", None, 1)],
    "less_complex": [("classify", "police", "classify_less", None, 1)],
}

RECOGNITION_PATHS = {
    "draft": [],
    "submitted": [("submit", "police", "submit", None, 1)],
    "evaluated": [("submit", "police", "submit", None, 1),
                  ("evaluate", "inspector", "evaluate", None, 5)],
    "endorsed": [("submit", "police", "submit", None, 1),
                 ("evaluate", "inspector", "evaluate", None, 5),
                 ("endorse", "steering_committee", "endorse", None, 5)],
}

HOTSPOT_PATHS = {
    "detected": [],
    "watched": [("watch", "police", None, None, 1)],
    "eliminated": [("watch", "police", None, None, 1),
                   ("eliminate", "police", "eliminate", None, 30)],
    "reemerged": [("watch", "police", None, None, 1),
                  ("eliminate", "police", "eliminate", None, 30),
                  ("reemerge", "police", "reemerge", None, 30)],
}

PATHS = {"person": PERSON_PATHS, "area": AREA_PATHS, "recognition": RECOGNITION_PATHS,
         "hotspot": HOTSPOT_PATHS}

# Which unit each role is granted over, per workflow, so that every step is in scope.
ROLE_UNITS = {"inspector": "C", "steering_committee": "C", "city_authority": "C"}


class Driver:
    """Fires the steps of a path with one actor per role; remembers the event clock."""

    def __init__(self, actor, start: datetime):
        self._actor = actor
        self._actors: dict[str, object] = {}
        self.clock = start

    def user(self, role: str):
        if role not in self._actors:
            self._actors[role] = self._actor(role, ROLE_UNITS.get(role, "W1"))
        return self._actors[role]

    def fire(self, record, event, role, data_key=None, reason=None, wait=1, data=None):
        self.clock = self.clock + timedelta(days=wait)
        if data is None:
            data = fill(DATA[data_key], self.clock) if data_key else None
        return engine.fire(record, event, self.user(role), data=data, reason=reason,
                           effective_at=self.clock, version=record.version)

    def walk(self, record, steps):
        for event, role, data_key, reason, wait in steps:
            self.fire(record, event, role, data_key, reason, wait)
        return record
