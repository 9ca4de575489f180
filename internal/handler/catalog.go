package handler

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hookdev/hook/internal/catalog"
)

// callbackDescription is GET /catalog/callback/:id: an event type with its group and
// the codes a callback of that type may carry.
type callbackDescription struct {
	Group catalog.Code         `json:"group"`
	Event catalog.Code         `json:"event"`
	Codes []catalog.ScopedCode `json:"codes,omitempty"`
}

// catalogRoutes serves the catalogue read-only, so people writing rules and reading
// pages can look a number up without the CLI:
//
//	GET /catalog                  everything (catalog.Listing)
//	GET /catalog/:table/:id       one decode (catalog.Meaning); ?p1=&p2= default to -1
//	GET /catalog/callback/:id     an event type, its group and the codes it carries
//
// Unknown tables and ids are 404 and malformed numbers 400, both as
// {"code": status, "message": ...} like every other error hook answers.
func catalogRoutes(e *echo.Echo, cat *catalog.Catalog) {
	e.GET("/catalog", func(c echo.Context) error {
		listing, _ := cat.Entries("")
		return c.JSON(http.StatusOK, listing)
	})
	e.GET("/catalog/:table/:id", func(c echo.Context) error {
		table, ok := catalog.ParseTable(c.Param("table"))
		if !ok {
			return catalogError(c, http.StatusNotFound, "unknown table "+strconv.Quote(c.Param("table")))
		}
		id, err := strconv.Atoi(c.Param("id"))
		if err != nil {
			return catalogError(c, http.StatusBadRequest, "id "+strconv.Quote(c.Param("id"))+" is not a number")
		}
		if table == catalog.Callback {
			d := callbackDescription{Group: cat.GroupOf(id), Event: cat.Code(catalog.FieldEvent, 0, id), Codes: cat.CodesFor(id)}
			if !d.Event.Known {
				return catalogError(c, http.StatusNotFound, d.Event.Title)
			}
			return c.JSON(http.StatusOK, d)
		}
		var params [2]int64
		for i, name := range [2]string{"p1", "p2"} {
			params[i] = -1 // TRTC's "not used"
			if s := c.QueryParam(name); s != "" {
				if params[i], err = strconv.ParseInt(s, 10, 64); err != nil {
					return catalogError(c, http.StatusBadRequest, name+" "+strconv.Quote(s)+" is not a number")
				}
			}
		}
		m := cat.Decode(table, id, params[0], params[1])
		if !m.Known {
			return catalogError(c, http.StatusNotFound, m.Text)
		}
		return c.JSON(http.StatusOK, m)
	})
}

func catalogError(c echo.Context, status int, message string) error {
	return c.JSON(status, map[string]any{"code": status, "message": message})
}
