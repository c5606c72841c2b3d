"""The format-neutral report: the outline built from a role and a brand, its money and
number formats, and the chart geometry. Both writers lay out what this decides.
"""
