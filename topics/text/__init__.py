"""Text stage: sentence units, traditional-to-simplified conversion, word segmentation."""
