"""What the report builder can count: the reportable entities, their dimensions and measures."""
