package dev.glasses

import org.junit.AfterClass
import org.junit.BeforeClass

/**
 * A Robolectric test class sharing one detector on the fixture model ([Fixtures.model]), loaded
 * before its tests and closed after them (JUnit 4 runs a superclass's class hooks for each
 * subclass).
 */
abstract class RobolectricFixtureModelTest {
    companion object {
        lateinit var detector: GlassesDetector

        @JvmStatic
        @BeforeClass
        fun loadFixtureModel() {
            detector = GlassesDetector(Fixtures.model)
        }

        @JvmStatic
        @AfterClass
        fun closeFixtureModel() = detector.close()
    }
}
