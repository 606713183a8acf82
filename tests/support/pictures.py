"""Pictures made on the spot for tests and benches: a photo with a GPS position, a bomb, a fake."""

import io
import struct
import zlib

from PIL import Image

# A GPS position (EXIF IFD 0x8825) the stored copy must not keep.
GPS_IFD = 0x8825


def jpeg_with_location(size=(640, 480), color=(200, 30, 30)):
    """A JPEG whose EXIF holds a camera model and a GPS latitude/longitude."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 9.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size=(64, 48), color=(20, 120, 220, 255)):
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, "PNG")
    return out.getvalue()


def gif(frames=3, size=(32, 32)):
    images = [Image.new("RGB", size, (i * 60 % 256, 80, 200 - i * 40 % 200)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def webp(size=(50, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def png_bomb(width=30_000, height=30_000):
    """A tiny PNG whose header claims width × height pixels: decoding it would take gigabytes."""
    data = png((1, 1))
    # IHDR is the first chunk: 8-byte signature, 4 length, 4 type, then width and height.
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)) & 0xFFFFFFFF)
    return data[:16] + bytes(ihdr) + crc + data[33:]


def multipart(data, filename="photo.jpg", content_type="image/jpeg", boundary="csbot-test-boundary"):
    """A multipart/form-data body with one `file` field; returns (body, content type header)."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def photo(size=(1280, 960)):
    """A JPEG with a photo's noise (hundreds of KiB), with a GPS position like a phone's."""
    grey = Image.effect_noise(size, 48)
    image = Image.merge("RGB", (grey, grey.rotate(90, expand=False), grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 9.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()
