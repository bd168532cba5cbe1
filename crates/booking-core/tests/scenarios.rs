//! The four benchmark scenarios as correctness tests: our slots equal the reference exactly.

mod common;

use booking_core::ids::ResourceId;
use booking_core::slots::{FreeRanges, Slot};

#[test]
fn scenarios_match_the_reference_slots() {
    for (name, count) in common::NAMES.into_iter().zip([90, 47, 217, 370]) {
        let s = common::load(name);
        let found = s.pipeline();
        let starts: Vec<_> = found.slots().iter().map(Slot::start).collect();
        assert_eq!(s.expected.len(), count, "{name}: reference count");
        assert_eq!(starts, s.expected, "{name}");
        assert!(
            found
                .slots()
                .iter()
                .all(|slot| slot.free() == 1 && found.resources(slot) == [ResourceId::new(1)])
        );
    }
}

#[test]
fn free_ranges_then_grid_gives_the_same_slots() {
    for name in common::NAMES {
        let s = common::load(name);
        let free = FreeRanges::compute(&s.calendar(&s.busy), s.window);
        let mut starts = Vec::new();
        free.for_each_slot(&s.rules, &s.query, |slot| starts.push(slot.start()));
        assert_eq!(starts, s.expected, "{name}");
    }
}
