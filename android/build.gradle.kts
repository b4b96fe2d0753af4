// Android library module "glasses": the Kotlin API (dev.glasses) plus libglasses_ffi.so for four
// ABIs, cross-compiled from the Rust workspace one folder up with cargo-ndk.
//
// Needs: Android SDK (compileSdk 35) + NDK r27 or newer (ANDROID_NDK_HOME, or ndkVersion below
// installed through the SDK manager), Rust targets and cargo-ndk:
//   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android
//   cargo install cargo-ndk
// Build:  gradle :assembleRelease   (AAR in build/outputs/aar/)
// Options (gradle.properties or -P):
//   glasses.cargoProfile=dist|release|dev   Rust profile (default dist: the shipping profile, fat
//                                      LTO and sized for size outside the kernels; release builds
//                                      faster but its library is ~0.7 MB larger; dev much faster)
//   glasses.formats=jpeg,png           picture formats decoded from encoded bytes (default: all ten;
//                                      Bitmaps and camera frames need none). docs/PERFORMANCE.md
//                                      lists what each costs: jpeg,png keeps the aarch64 library
//                                      near 2 MB, every format adds ~0.48 MB
//   glasses.abis=arm64-v8a,x86_64      subset of ABIs (default: all four)
//   glasses.skipCargo=true             package the .so files already in build/rustJniLibs
//
// The JVM build and tests of the same Kotlin sources live in pom.xml (scripts/test-kotlin.sh).

import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
}

// One version for the AAR, the Kotlin API and the native library: the Rust workspace's
// ([workspace.package] in ../Cargo.toml), so the three cannot drift.
group = "dev.glasses"
version = Regex("""(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)""")
    .find(projectDir.parentFile.resolve("Cargo.toml").readText())
    ?.groupValues?.get(1)
    ?: error("no version in [workspace.package] of ../Cargo.toml")

val allAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64", "x86")
val abis: List<String> = providers.gradleProperty("glasses.abis").orNull
    ?.split(',')?.map { it.trim() }?.filter { it.isNotEmpty() }
    ?.onEach { require(it in allAbis) { "glasses.abis: unknown ABI '$it' (known: $allAbis)" } }
    ?: allAbis
val cargoProfile: String = providers.gradleProperty("glasses.cargoProfile").orNull ?: "dist"
val formats: List<String>? = providers.gradleProperty("glasses.formats").orNull
    ?.split(',')?.map { it.trim() }?.filter { it.isNotEmpty() }
val skipCargo: Boolean = providers.gradleProperty("glasses.skipCargo").orNull?.toBoolean() ?: false
val minSdkVersion = 24
val workspaceDir: File = projectDir.parentFile
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")

android {
    namespace = "dev.glasses"
    compileSdk = 35
    // NDK r27+ (r28 links 16 KB-aligned by default; the flag below makes r27 do so too).
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = minSdkVersion
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }

    sourceSets["main"].apply {
        // src/main/kotlin: the platform-independent API (also built and tested on the JVM by
        // pom.xml); src/android/kotlin: the Bitmap adapter, which needs android.jar.
        java.srcDirs("src/main/kotlin", "src/android/kotlin")
        jniLibs.srcDir(rustJniLibs)
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_11
        targetCompatibility = JavaVersion.VERSION_11
    }

    packaging {
        // Keep the .so files uncompressed and page-aligned in APKs (required for 16 KB devices
        // when extractNativeLibs=false, the default since AGP 3.6 / minSdk 23).
        jniLibs.useLegacyPackaging = false
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_11) }
}

val cargoNdkBuild by tasks.registering(Exec::class) {
    description = "Cross-compiles libglasses_ffi.so for $abis with cargo-ndk ($cargoProfile profile)."
    group = "build"
    onlyIf { !skipCargo }
    workingDir = workspaceDir
    val outDir = rustJniLibs.get().asFile
    inputs.files(fileTree(workspaceDir) {
        include("Cargo.toml", "Cargo.lock", "core/**", "ffi/**")
        exclude("**/target/**")
    })
    inputs.property("abis", abis)
    inputs.property("profile", cargoProfile)
    inputs.property("formats", formats?.joinToString(",") ?: "all")
    outputs.dir(outDir)

    val args = mutableListOf("cargo", "ndk")
    abis.forEach { args += listOf("-t", it) }
    args += listOf("--platform", minSdkVersion.toString(), "-o", outDir.path, "build", "-p", "glasses-ffi", "--lib")
    if (cargoProfile == "release") args += "--release" else args += listOf("--profile", cargoProfile)
    if (formats != null) args += listOf("--no-default-features", "--features", formats.joinToString(","))
    commandLine(args)

    // 16 KB page alignment for Android 15+ devices with 16 KB pages (Play requires it for
    // 64-bit ABIs); harmless on 4 KB devices and 32-bit ABIs. Appended to any RUSTFLAGS given.
    val pageFlags = "-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,-z,common-page-size=16384"
    environment("RUSTFLAGS", listOfNotNull(System.getenv("RUSTFLAGS"), pageFlags).joinToString(" "))
}

tasks.named("preBuild") { dependsOn(cargoNdkBuild) }

dependencies {
    // The Kotlin stdlib comes with the Kotlin plugin. Coroutines: SuspendingGlassesDetector
    // (the same version as pom.xml's coroutines.version).
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2")
}
