"""Scoring OCR output against ground truth, exactly as the team's scorer does."""
