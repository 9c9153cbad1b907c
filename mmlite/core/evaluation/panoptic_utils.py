"""Panoptic id encoding shared by the panoptic heads and datasets."""

# A panoptic result map stores ``instance_id * INSTANCE_OFFSET + label`` per pixel (stuff and VOID pixels:
# ``label`` alone), so the offset must exceed the number of classes.
INSTANCE_OFFSET = 1000
