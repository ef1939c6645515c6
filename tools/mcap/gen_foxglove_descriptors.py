#!/usr/bin/env python3
"""Regenerate src/writers/foxglove_schemas/*.fdset: the serialized protobuf
FileDescriptorSet of each Foxglove schema the MCAP recording uses (the
schema record's data for `protobuf` encoding: the message's .proto file and
every file it imports, dependencies first), from Foxglove's own compiled
schemas (PyPI: foxglove-schemas-protobuf, MIT). Not run at build or run
time; run it in a throwaway venv when the schemas change:

    python3 -m venv /tmp/fx && /tmp/fx/bin/pip install foxglove-schemas-protobuf==0.4.0
    /tmp/fx/bin/python tools/mcap/gen_foxglove_descriptors.py
"""
import importlib
from pathlib import Path

from google.protobuf import descriptor_pb2

NAMES = ["FrameTransform", "CompressedImage", "CameraCalibration", "ImageAnnotations", "PointCloud", "SceneUpdate"]
OUT = Path(__file__).resolve().parents[2] / "src" / "writers" / "foxglove_schemas"


def descriptor_set(message_descriptor):
    files, seen = [], set()

    def add(fd):
        if fd.name in seen:
            return
        for dep in fd.dependencies:
            add(dep)
        seen.add(fd.name)
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        files.append(proto)

    add(message_descriptor.file)
    return descriptor_pb2.FileDescriptorSet(file=files).SerializeToString(deterministic=True)


def main():
    for name in NAMES:
        module = importlib.import_module(f"foxglove_schemas_protobuf.{name}_pb2")
        data = descriptor_set(getattr(module, name).DESCRIPTOR)
        (OUT / f"{name}.fdset").write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
