"""The boundary between the parent and a grading child, typed: the job the child gets, every event it
sends, the outcome of a check and the report the parent makes of them. No torch, no subprocess.

Each type encodes and decodes itself (`to_json` / `from_json`, side by side through one codec), and
decoding validates: the parent treats whatever a child or a remote worker sends as hostile input,
so an unknown event, a wrong type or a missing field raises ContractError (the session turns it
into a CRASHED outcome), and text is cut to size. Tensors never travel in JSON: a measurement
holds `{"__tensor__": key}` references into a tensor file (grader.contract.tensors).
"""
from grader.contract.events import (
    EVENTS,
    CheckError,
    CheckStarted,
    Done,
    Event,
    Hello,
    Loaded,
    LoadError,
    Measured,
    MeasureFailed,
    Missing,
    Progress,
    Skipped,
    TopLevelFailure,
    decode_event,
    encode_event,
)
from grader.contract.jobs import CheckJob, ChildJob, ChildView, Limits
from grader.contract.report import CheckOutcome, ChildReport, OutcomeKind
from grader.contract.wire import CHANNEL_FD, PROTOCOL, ContractError, Wire

__all__ = ["CHANNEL_FD", "EVENTS", "PROTOCOL", "CheckError", "CheckJob", "CheckOutcome", "CheckStarted", "ChildJob",
           "ChildReport", "ChildView", "ContractError", "Done", "Event", "Hello", "Limits", "LoadError", "Loaded",
           "MeasureFailed", "Measured", "Missing", "OutcomeKind", "Progress", "Skipped", "TopLevelFailure", "Wire",
           "decode_event", "encode_event"]
