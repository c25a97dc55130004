//! Computations shared by the firmware examples and the host reference run.
#![no_std]
