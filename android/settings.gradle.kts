// Standalone Gradle build of the Android library (AAR). Not built in this repository's CI, which
// has no Android SDK/NDK; see README.md. Apps can also include this folder as a module:
//   include(":glasses"); project(":glasses").projectDir = file("path/to/repo/android")
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "glasses-android"
