"""The single source of mmlite's version."""
__version__ = '0.1.0'


def _parse_version_info(version: str) -> tuple:
    parts = []
    for piece in version.split('.'):
        parts.append(int(piece) if piece.isdigit() else piece)
    return tuple(parts)


version_info = _parse_version_info(__version__)
