"""Pictures customers and agents send (contract section 8): checked by content, cleaned, stored, linked.

An upload is trusted for nothing: its type is read from its first bytes and
confirmed by Pillow, its pixel count is checked before anything is decoded
(a few kilobytes of PNG can decode to gigabytes), and what is stored is a
fresh encoding of the pixels, so EXIF (a phone's GPS position above all),
XMP and comments never reach anyone. A thumbnail is made at the same time.
Files go through Django's storage API; URLs to them are signed and expire
(`chat.media_urls`).
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Media

# mime -> (Pillow format, extension of the stored file)
FORMATS = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
    "image/gif": ("GIF", "gif"),
}
EXTENSIONS = {ext: mime for mime, (_, ext) in FORMATS.items()}
# Enough bytes to tell every accepted format apart.
SNIFF_BYTES = 16
# Metadata Pillow keeps in `info` and some encoders would write back.
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop", "dpi")


class MediaRefused(Exception):
    """An upload that is not stored; `code` and `status` are the HTTP answer."""

    def __init__(self, code, status, message):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def too_large(message="the picture is too large"):
    return MediaRefused("too_large", 413, message)


def unsupported(message="only JPEG, PNG, WebP and GIF pictures are accepted"):
    return MediaRefused("unsupported_type", 415, message)


def sniff(head):
    """Return the mime type the first bytes of a file announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass
class Cleaned:
    """A picture ready to store: the new encoding, its thumbnail and what the row records."""

    mime: str
    data: bytes
    thumb: bytes
    width: int
    height: int


def _open(fileobj, mime):
    """Open the file with Pillow as the sniffed format only; refuse bombs before decoding."""
    fileobj.seek(0)
    # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that, reading
    # only the header; the exact limit is checked below, frames included.
    Image.MAX_IMAGE_PIXELS = settings.CSBOT_MEDIA_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(fileobj, formats=[FORMATS[mime][0]])
        except Image.DecompressionBombError:
            raise too_large("the picture has too many pixels") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise unsupported("the file is not a readable picture") from None
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if width < 1 or height < 1 or width * height * frames > settings.CSBOT_MEDIA_MAX_PIXELS:
        raise too_large("the picture has too many pixels")
    return image


def _verify(fileobj, mime):
    image = _open(fileobj, mime)
    try:
        image.verify()  # checks the structure without decoding the pixels
    except Exception:
        raise unsupported("the file is not a readable picture") from None


def _encode(image, fmt, *, animated):
    for key in METADATA_KEYS:
        image.info.pop(key, None)
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=False)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85, save_all=animated)
    else:
        image.save(out, "GIF", save_all=animated)
    return out.getvalue()


def _thumbnail(image):
    """A JPEG no larger than CSBOT_MEDIA_THUMB_PX on its long side, of the first frame."""
    image.seek(0)
    frame = image.convert("RGBA")
    flat = Image.new("RGB", frame.size, (255, 255, 255))
    flat.paste(frame, mask=frame.getchannel("A"))
    side = settings.CSBOT_MEDIA_THUMB_PX
    flat.thumbnail((side, side))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=80)
    return out.getvalue()


def clean(fileobj):
    """Return the picture in `fileobj` re-encoded without metadata, with a thumbnail; raise MediaRefused."""
    fileobj.seek(0)
    mime = sniff(fileobj.read(SNIFF_BYTES))
    if mime is None:
        raise unsupported()
    _verify(fileobj, mime)  # verify() spends the image: it is opened again to decode
    image = _open(fileobj, mime)
    fmt = FORMATS[mime][0]
    animated = getattr(image, "is_animated", False) and fmt in ("GIF", "WEBP")
    try:
        if animated:
            data = _encode(image, fmt, animated=True)
        else:
            # Turned upright by its EXIF orientation before the EXIF goes.
            upright = ImageOps.exif_transpose(image)
            data = _encode(upright, fmt, animated=False)
        thumb = _thumbnail(image)
        width, height = image.size if animated else upright.size
    except MediaRefused:
        raise
    except Exception:  # a truncated or corrupt body decodes badly: the client's fault, not a 500
        raise unsupported("the file is not a readable picture") from None
    return Cleaned(mime=mime, data=data, thumb=thumb, width=width, height=height)


def save_cleaned(cleaned, *, customer_id=None, uploaded_by=None):
    """Store a cleaned picture and its thumbnail through the storage API and record the row."""
    stem = f"chat/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    ext = FORMATS[cleaned.mime][1]
    name = default_storage.save(f"{stem}.{ext}", ContentFile(cleaned.data))
    thumb_name = default_storage.save(f"{stem}.thumb.jpg", ContentFile(cleaned.thumb))
    return Media.objects.create(
        customer_id=customer_id, uploaded_by=uploaded_by, mime=cleaned.mime, bytes=len(cleaned.data),
        width=cleaned.width, height=cleaned.height, name=name, thumb_name=thumb_name,
    )


def own_media(*, customer_id, media_id):
    """Return the customer's own upload with this id, or None (someone else's reads as unknown)."""
    return Media.objects.filter(pk=media_id, customer_id=customer_id).first()


def staff_media(media_id):
    """Return a picture staff uploaded, or None."""
    return Media.objects.filter(pk=media_id, customer__isnull=True).first()


def mime_of(name):
    """The type of a stored file, read from the extension the server gave it."""
    return EXTENSIONS.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def discard(row):
    """Delete a picture nobody may see (refused by a content check): its files and its row's file names."""
    for name in (row.name, row.thumb_name):
        default_storage.delete(name)
    if row.pk is not None:
        Media.objects.filter(pk=row.pk).update(refused=True)
        row.refused = True
