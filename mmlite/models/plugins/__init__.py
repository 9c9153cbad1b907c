"""mmdet.models.plugins: MaskFormer's pixel decoders."""
from .pixel_decoder import PixelDecoder, TransformerEncoderPixelDecoder

__all__ = ['PixelDecoder', 'TransformerEncoderPixelDecoder']
