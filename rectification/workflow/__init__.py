"""Writes people make, each checked for who may make it: users, uploads, closures, deadlines, targets, evidence, notes."""
