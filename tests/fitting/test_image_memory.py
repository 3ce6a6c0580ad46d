"""Peak memory of decoding huge-but-small PNG files (issue 15): measured in a fresh subprocess
(VmHWM after resetting it), so the numbers are the decoder's, not the test runner's."""

import struct
import subprocess
import sys
import textwrap
import zlib



def write_blank_png(path, w, h, channels=4):
    """A w x h 8-bit PNG of zeros, streamed row by row (a few MB on disk, no full image in memory)."""
    color = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\0" * (1 + w * channels)
    parts = []
    for _ in range(h):
        out = comp.compress(row)
        if out:
            parts.append(out)
    parts.append(comp.flush())
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)))
        f.write(chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))


PROBE = textwrap.dedent(
    """
    import sys, time
    from emoshift.fitting.image import load_image
    from emoshift.io import UserError

    def status(key):  # kB, from the kernel's accounting of this process
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])

    with open("/proc/self/clear_refs", "w") as f:  # reset the peak (VmHWM) to the current RSS: the
        f.write("5")                                # imports' own transient peak must not hide the decode's
    base = status("VmRSS")
    t = time.perf_counter()
    try:
        out = load_image(sys.argv[1])
        result = "x".join(map(str, out.shape))
    except UserError as err:
        result = "error: " + str(err)
    peak = status("VmHWM")
    print(result)
    print((peak - base) // 1024)
    """
)


def probe(path):
    r = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    result, mb = r.stdout.strip().splitlines()
    return result, int(mb)


def test_huge_png_refused_from_header_without_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    write_blank_png(p, 14000, 14000)
    assert p.stat().st_size < 2_000_000  # a small file
    result, mb = probe(p)
    assert result.startswith("error: image is too large to decode safely: 196 Mpx"), result
    assert mb < 100, f"refusing from the header grew the process by {mb} MB"


def test_large_png_decoded_within_bounded_memory(tmp_path):
    """10000^2 RGBA (the largest accepted non-JPEG): decoded (400 MB of pixels) and reduced to <= 4096
    px; the process grows by < 1.2 GB (before issue 15: 7 GB). Control: the same file at full size
    (max_side=None, 400 MB of RGBA + 300 MB of RGB) must need more than the reduced decode."""
    p = tmp_path / "large.png"
    write_blank_png(p, 10000, 10000)
    result, mb = probe(p)
    assert result == "4096x4096x3", result
    assert mb < 1200, f"decoding grew the process by {mb} MB"
    full = PROBE.replace("load_image(sys.argv[1])", "load_image(sys.argv[1], max_side=None)")
    r = subprocess.run([sys.executable, "-c", full, str(p)], capture_output=True, text=True, timeout=240)
    full_mb = int(r.stdout.split()[-1])
    assert full_mb > mb + 200, (full_mb, mb)
