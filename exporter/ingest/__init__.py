"""Importing the publisher's market-intelligence pages into role files: text repair, page
structure and the facts in it.
"""
