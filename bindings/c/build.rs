//! Gives the shared library its SONAME (`liblfe.so.<ABI>`).
//!
//! The ABI number lives here and in `src/version.rs` (`LFE_ABI_VERSION`); a unit test
//! (`version::tests`) checks the two agree, so they cannot drift.
const ABI: u32 = 1;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=LFE_BUILD_ABI={ABI}");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liblfe.so.{ABI}");
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        println!("cargo:rerun-if-changed=lfe.map");
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={dir}/lfe.map");
    }
}
