"""Marketing's records. Each part of marketing keeps its models in its own module here, imported below."""

from accord.marketing.models.segments import Segment, SegmentKind, SegmentMember

__all__ = ["Segment", "SegmentKind", "SegmentMember"]
