//! One check for every number in a parsed scenario: each float must be
//! finite and inside the bounds its unit allows, the unit being named by the
//! field (`_m`, `_s`, `_deg`, `_mps`, `_hz`, ...). It walks the scenario
//! through its `Serialize` impl, so a field added to the schema is checked
//! without a line here; the path walked names the field for line:col.
//!
//! The per-field `range::*` deserializers stay for the tighter, field-specific
//! ranges (a fov below 180 degrees); this is the floor under all of them.

use super::locate::{Step, field, item};
use serde::Serialize;
use serde::ser::{self, Impossible};

/// Longest road (sum of segment lengths), metres.
pub const MAX_ROAD_LENGTH_M: f64 = 20_000.0;
/// Largest distance or position anywhere in a scenario, metres.
pub const MAX_DISTANCE_M: f64 = 20_000.0;
/// Longest time anywhere in a scenario (a day), seconds.
pub const MAX_TIME_S: f64 = 86_400.0;
/// Bound for unit-less numbers (intensities, fractions), absolute.
pub const MAX_PLAIN: f64 = 1.0e6;
/// Most frames one run may ask for in its scenario (`--frames` may ask more).
pub const MAX_FRAMES: u64 = 100_000_000;

/// The inclusive range a number named `name` may take, and how to say it.
/// `name` is the innermost struct field, or the enum variant that wraps a
/// bare number (`AtTime(2.0)`).
fn bounds_for(name: &str) -> (f64, f64, &'static str) {
    match name {
        // tuple variants and lists whose unit is not in their name
        "AtTime" | "EgoTimeToReach" => (0.0, MAX_TIME_S, "a time in seconds, 0..=86400"),
        "EgoWithin" | "Swerve" | "crosswalks" => (
            -MAX_DISTANCE_M,
            MAX_DISTANCE_M,
            "a distance in metres, -20000..=20000",
        ),
        "SetSpeed" => (0.0, 100.0, "a speed in m/s, 0..=100"),
        "color" => (0.0, 1.0, "a colour channel in 0..=1"),
        "tick_hz" => (1.0, 1000.0, "a tick rate in Hz, 1..=1000"),
        "rotation_hz" => (1.0, 100.0, "a rotation rate in Hz, 1..=100"),
        "length_m" => (0.1, MAX_ROAD_LENGTH_M, "a length in metres, 0.1..=20000"),
        "radius_m" => (1.0, 1.0e6, "a radius in metres, 1..=1000000"),
        "arm_length_m" => (1.0, 1000.0, "an arm length in metres, 1..=1000"),
        "spacing_m" => (0.5, 10_000.0, "a spacing in metres, 0.5..=10000"),
        "min_range_m" | "max_range_m" => (0.0, 2000.0, "a range in metres, 0..=2000"),
        "noise_std_m" => (0.0, 10.0, "a noise sigma in metres, 0..=10"),
        // a street's kerb; the renderer takes the ground as within a metre
        // of road level (contact shadows, core::shadow)
        "kerb_height_m" => (0.0, 0.5, "a kerb height in metres, 0..=0.5"),
        n if n.ends_with("_m") => (
            -MAX_DISTANCE_M,
            MAX_DISTANCE_M,
            "a distance in metres, -20000..=20000",
        ),
        n if n.ends_with("_s") => (0.0, MAX_TIME_S, "a time in seconds, 0..=86400"),
        n if n.ends_with("_deg") => (-360.0, 360.0, "an angle in degrees, -360..=360"),
        n if n.ends_with("_mps") => (-100.0, 100.0, "a speed in m/s, -100..=100"),
        n if n.ends_with("_mm_h") => (0.0, 200.0, "a rate in mm/h, 0..=200"),
        _ => (-MAX_PLAIN, MAX_PLAIN, "a number in -1e6..=1e6"),
    }
}

/// The first number of `value` that is not finite or out of its unit's
/// bounds: its path and the message.
pub fn check_numbers<T: Serialize>(value: &T) -> Result<(), (Vec<Step<'static>>, String)> {
    let mut walker = Walker::default();
    // the walker's own error type only stops the walk; the finding is kept
    let _ = value.serialize(&mut walker);
    match walker.found {
        Some(found) => Err(found),
        None => Ok(()),
    }
}

#[derive(Default)]
struct Walker {
    path: Vec<Step<'static>>,
    /// The name that says the unit of the next number.
    unit: Vec<&'static str>,
    found: Option<(Vec<Step<'static>>, String)>,
}

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of bounds")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

type Res = Result<(), Stop>;

impl Walker {
    fn number(&mut self, v: f64) -> Res {
        let name = self.unit.last().copied().unwrap_or("");
        let (lo, hi, expected) = bounds_for(name);
        if v.is_finite() && (lo..=hi).contains(&v) {
            return Ok(());
        }
        let shown = if name.is_empty() { "value" } else { name };
        self.found = Some((
            self.path.clone(),
            format!("{shown} {v} is out of range: expected {expected}"),
        ));
        Err(Stop)
    }

    fn integer(&mut self, v: u64) -> Res {
        if self.unit.last() == Some(&"frames") && v > MAX_FRAMES {
            self.found = Some((
                self.path.clone(),
                format!("frames {v} is out of range: expected 1..={MAX_FRAMES}"),
            ));
            return Err(Stop);
        }
        Ok(())
    }

    fn in_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.path.push(field(key));
        self.unit.push(key);
        let r = value.serialize(&mut *self);
        self.unit.pop();
        self.path.pop();
        r
    }
}

/// Lists and tuples: a list field's items get that field's step with an
/// index (`props.scatter[3]`); tuple members keep their field's step.
struct Seq<'a> {
    walker: &'a mut Walker,
    index: usize,
    indexed: bool,
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        let w = &mut *self.walker;
        let saved = w.path.last().copied();
        if self.indexed
            && let Some(last) = w.path.last_mut()
            && last.index.is_none()
        {
            *last = item(last.field, self.index);
        }
        let r = value.serialize(&mut *w);
        if let (Some(s), Some(last)) = (saved, w.path.last_mut()) {
            *last = s;
        }
        self.index += 1;
        r
    }
}

/// The serde traits of sequence-like and struct-like values, each walked by
/// one method (serde splits them only for formats that care).
macro_rules! walk_as {
    ($name:ident, $trait:ident, $method:ident) => {
        impl ser::$trait for $name<'_> {
            type Ok = ();
            type Error = Stop;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
                self.element(value)
            }
            fn end(self) -> Res {
                Ok(())
            }
        }
    };
    ($name:ident, $trait:ident) => {
        impl ser::$trait for $name<'_> {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Res {
                self.0.in_field(key, value)
            }
            fn end(self) -> Res {
                Ok(())
            }
        }
    };
}

walk_as!(Seq, SerializeSeq, serialize_element);
walk_as!(Seq, SerializeTuple, serialize_element);
walk_as!(Seq, SerializeTupleStruct, serialize_field);
walk_as!(Seq, SerializeTupleVariant, serialize_field);

/// Structs (named fields), in or out of an enum variant.
struct Fields<'a>(&'a mut Walker);

walk_as!(Fields, SerializeStruct);
walk_as!(Fields, SerializeStructVariant);

impl<'a> ser::Serializer for &'a mut Walker {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Fields<'a>;

    fn serialize_bool(self, _: bool) -> Res {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Res {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Res {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Res {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Res {
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Res {
        self.integer(v.into())
    }
    fn serialize_u16(self, v: u16) -> Res {
        self.integer(v.into())
    }
    fn serialize_u32(self, v: u32) -> Res {
        self.integer(v.into())
    }
    fn serialize_u64(self, v: u64) -> Res {
        self.integer(v)
    }
    fn serialize_f32(self, v: f32) -> Res {
        self.number(v.into())
    }
    fn serialize_f64(self, v: f64) -> Res {
        self.number(v)
    }
    fn serialize_char(self, _: char) -> Res {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> Res {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Res {
        Ok(())
    }
    fn serialize_none(self) -> Res {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Res {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Res {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Res {
        // `AtTime(2.0)`: the variant names the unit; `Straight(length_m: ..)`
        // or `PedestrianCrossing(..)`: the fields inside name theirs
        self.unit.push(variant);
        let r = value.serialize(&mut *self);
        self.unit.pop();
        r
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Stop> {
        Ok(Seq {
            walker: self,
            index: 0,
            indexed: true,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Seq<'a>, Stop> {
        Ok(Seq {
            walker: self,
            index: 0,
            indexed: false,
        })
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Seq<'a>, Stop> {
        self.serialize_tuple(0)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Seq<'a>, Stop> {
        self.serialize_tuple(0)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Impossible<(), Stop>, Stop> {
        // the schema has no maps
        Err(Stop)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Stop> {
        Ok(Fields(self))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fields<'a>, Stop> {
        Ok(Fields(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn path_of(r: Result<(), (Vec<Step<'static>>, String)>) -> (String, String) {
        let (steps, msg) = r.unwrap_err();
        let path = steps
            .iter()
            .map(|s| match s.index {
                Some(i) => format!("{}[{i}]", s.field),
                None => s.field.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".");
        (path, msg)
    }

    #[test]
    fn defaults_pass() {
        assert!(check_numbers(&Scenario::default()).is_ok());
    }

    #[test]
    fn every_non_finite_float_is_found_with_its_path() {
        let mut s = Scenario::default();
        s.ego.start_s_m = f64::NAN;
        let (p, m) = path_of(check_numbers(&s));
        assert_eq!(p, "ego.start_s_m");
        assert!(m.contains("NaN") && m.contains("metres"), "{m}");

        let mut s = Scenario::default();
        s.sensors.cameras[0].mount.x_m = f64::INFINITY;
        let (p, _) = path_of(check_numbers(&s));
        assert_eq!(p, "sensors.cameras[0].mount.x_m");

        let mut s = Scenario::default();
        s.road.crosswalks = vec![10.0, 1e30];
        let (p, _) = path_of(check_numbers(&s));
        assert_eq!(p, "road.crosswalks[1]");
    }

    #[test]
    fn units_in_names_set_the_bounds() {
        let s = Scenario {
            tick_hz: 1e-300,
            ..Scenario::default()
        };
        assert_eq!(path_of(check_numbers(&s)).0, "tick_hz");
        let mut s = Scenario::default();
        s.road.segments = vec![crate::scenario::SegmentSpec::Straight { length_m: 1e9 }];
        assert_eq!(path_of(check_numbers(&s)).0, "road.segments[0].length_m");
        let mut s = Scenario::default();
        s.triggers.push(crate::scenario::Trigger {
            actor: "ego".into(),
            when: crate::scenario::Condition::AtTime(1e12),
            delay_s: 0.0,
            action: crate::scenario::Action::Stop,
        });
        let (p, m) = path_of(check_numbers(&s));
        assert_eq!(p, "triggers[0].when");
        assert!(m.contains("seconds"), "{m}");
    }
}
