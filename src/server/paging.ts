// The paging query schema is a request shape, defined once in the domain; routes import it from here.
export { pageOf, pageQuerySchema } from "../domain/index.js";
