"""Relabeling web UI: review the crops of one look-alike group at a time and record decisions."""
