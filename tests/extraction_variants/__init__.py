"""Report layouts of other report systems, written independently of the mock platform's writer.

`generate(seed, count)` gives cases: the same hand-chosen figures written as xlsx in many
layouts (units stated in different places, branch lines with distractors, sheets with
decoys, number styles, header shapes, block labels on any row), each with the figures a
careful clerk reads from it, or the reason the file must be refused.
"""

from tests.extraction_variants.generator import Case, generate

__all__ = ["Case", "generate"]
