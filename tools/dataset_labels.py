"""What the checkers read alike from an Edgecase dataset's canonical labels
(imported by the check_*.py scripts beside it)."""


def sensor_record(frame, sensor):
    """A camera's or LiDAR's record in one frame's labels."""
    for s in frame["cameras"] + frame.get("lidars", []):
        if s.get("camera", s.get("lidar")) == sensor:
            return s
    raise AssertionError(f"no sensor {sensor}")


def delivered(frame, sensor):
    """Whether `sensor` delivered this frame (not dropped)."""
    return not sensor_record(frame, sensor).get("dropped", False)


def stamp_s(frame, sensor):
    """The time `sensor` stamped this frame with: its stamp_s when its
    clock is off, else the frame's time."""
    return sensor_record(frame, sensor).get("stamp_s", frame["time_s"])
