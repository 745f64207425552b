"""Polish short dates as Polish users write them (01.12.2026), not Django's "01-12-2026"."""

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
