#!/usr/bin/env python3
"""Re-read an Edgecase dataset's recording.mcap with the mcap Python
reader: every message decodes with Google's protobuf runtime as its
channel's schema (the FileDescriptorSet the schema record carries), with no
field the schema lacks, schema names are Foxglove's well-known ones, the
file is chunked with a chunk index per chunk, each
per-frame topic has one message per frame (a sensor's topics per frame it
delivered; /tf one per frame and sensor),
the summary's statistics agree with what was read, images are the rgb files (PNG or JPEG)
byte for byte, point clouds the velodyne files, and 2D and 3D boxes the
labels'.

usage: check_mcap.py DATASET   (last line: "<M> messages, <C> channels,
<F> frames, <B> boxes")
"""
import collections
import json
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.unknown_fields import UnknownFieldSet
from mcap.reader import make_reader
from dataset_labels import delivered, stamp_s


def message_class(schema):
    """The protobuf class of a schema record: its FileDescriptorSet loaded
    into a fresh pool, the message type named as the schema."""
    assert schema.encoding == "protobuf", schema.encoding
    pool = descriptor_pool.DescriptorPool()
    for f in descriptor_pb2.FileDescriptorSet.FromString(schema.data).file:
        pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(schema.name))


def main():
    dataset = Path(sys.argv[1])
    labels = [json.loads(p.read_text()) for p in sorted((dataset / "labels").glob("*.json"))]
    frames = len(labels)
    counts = collections.Counter()
    boxes = 0
    with open(dataset / "recording.mcap", "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        assert summary.statistics.chunk_count == len(summary.chunk_indexes) > 0
        classes = {}
        # each topic's frames: a sensor's topics skip the frames it dropped
        def frames_of(topic):
            if topic.count("/") < 3:
                return labels
            return [l for l in labels if delivered(l, topic.split("/")[2])]

        per_topic = {}
        # in file order: a sensor whose clock jumps may stamp a frame after
        # the next frame's time, so log-time order is not frame order
        for schema, channel, message in reader.iter_messages(log_time_order=False):
            assert schema.name.startswith("foxglove."), schema.name
            assert channel.message_encoding == "protobuf", channel.message_encoding
            if schema.id not in classes:
                classes[schema.id] = message_class(schema)
            proto = classes[schema.id].FromString(message.data)
            assert len(UnknownFieldSet(proto)) == 0, channel.topic
            msg = json_format.MessageToDict(proto, preserving_proto_field_name=True)
            k = counts[channel.topic]
            counts[channel.topic] += 1
            topic = channel.topic
            if topic == "/tf":
                continue
            if topic not in per_topic:
                per_topic[topic] = frames_of(topic)
            frame = per_topic[topic][k]
            sensor = topic.split("/")[2] if topic.count("/") >= 3 else None
            want_s = stamp_s(frame, sensor) if sensor else frame["time_s"]
            assert message.log_time == round(want_s * 1e9), (topic, message.log_time, want_s)
            if "timestamp" in msg:
                assert proto.timestamp.ToNanoseconds() == message.log_time, topic
            name = f"{frame['frame']:06d}"
            if topic.endswith("/image"):
                cam = topic.split("/")[2]
                rgb = dataset / "cameras" / cam / "rgb"
                jpg = rgb / f"{name}.jpg"
                image = jpg if jpg.exists() else rgb / f"{name}.png"
                assert proto.data == image.read_bytes(), topic
                assert proto.format == ("jpeg" if image.suffix == ".jpg" else "png"), proto.format
            elif topic.endswith("/points"):
                lidar = topic.split("/")[2]
                bin_ = (dataset / "lidar" / lidar / "velodyne" / f"{name}.bin").read_bytes()
                assert proto.data == bin_, topic
            elif topic.endswith("/annotations"):
                cam = next(c for c in frame["cameras"] if c["camera"] == topic.split("/")[2])
                want = [o["bbox_visible_px"] for o in cam["objects"] if o["bbox_visible_px"]]
                got = [[p.points[0].x, p.points[0].y, p.points[2].x, p.points[2].y] for p in proto.points]
                assert got == want, topic
            elif topic == "/boxes":
                ids = {o["instance_id"] for c in frame["cameras"] for o in c["objects"]}
                cubes = proto.entities[0].cubes
                assert len(cubes) == len(ids)
                boxes += len(cubes)
    sensors = len(labels[0]["cameras"]) + len(labels[0].get("lidars", []))
    for topic, n in counts.items():
        assert n == (frames * (1 + sensors) if topic == "/tf" else len(per_topic[topic])), (topic, n)
    total = sum(counts.values())
    assert summary.statistics.message_count == total
    assert len(summary.channels) == len(counts)
    print(f"{total} messages, {len(counts)} channels, {frames} frames, {boxes} boxes")


if __name__ == "__main__":
    main()
