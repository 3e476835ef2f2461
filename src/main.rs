//! floatip: a Pacemaker OCF resource agent for a floating IP address.
//! Everything is in the library: see `floatip::main`.

fn main() {
    floatip::main()
}
