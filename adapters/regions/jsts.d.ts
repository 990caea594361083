/** The small part of jsts 2.7 (JTS in JavaScript; no types shipped) that region validation uses. */
declare module 'jsts' {
  namespace geom {
    interface Coordinate {
      x: number;
      y: number;
    }
    interface Envelope {
      intersects(other: Envelope): boolean;
    }
    interface Geometry {
      getArea(): number;
      getEnvelopeInternal(): Envelope;
      intersection(other: Geometry): Geometry;
      getInteriorPoint(): Geometry;
      getCoordinate(): Coordinate | null;
      isEmpty(): boolean;
    }
  }
  namespace io {
    class GeoJSONReader {
      read(geometry: object): geom.Geometry;
    }
  }
  namespace operation.valid {
    class TopologyValidationError {
      getMessage(): string;
      getCoordinate(): geom.Coordinate | null;
    }
    class IsValidOp {
      constructor(geometry: geom.Geometry);
      isValid(): boolean;
      getValidationError(): TopologyValidationError | null;
    }
  }
}
